/** The discovery document (spec "Discovery"): one entry per service in the catalog, as data. */
import type { ServiceCatalog } from '../use-cases/service-catalog.js';
import type { CdsService, DiscoveryResponse } from '../cds-hooks/wire-types.js';

export function discoveryResponse(catalog: ServiceCatalog): DiscoveryResponse {
  return {
    services: catalog.list().map(({ service }) => {
      const entry: CdsService = { hook: service.hook, title: service.title, description: service.description, id: service.id };
      // The spec forbids empty objects: a service without templates omits prefetch.
      if (service.prefetch && Object.keys(service.prefetch).length > 0) entry.prefetch = { ...service.prefetch };
      if (service.usageRequirements) entry.usageRequirements = service.usageRequirements;
      return entry;
    }),
  };
}

/** Step 1: the service named in the URL, or 404. */
import { notFound } from '../http/http-error.js';
import type { ServiceBinding, ServiceCatalog } from '../../use-cases/service-catalog.js';

export function findService(catalog: ServiceCatalog, id: string): ServiceBinding {
  const binding = catalog.get(id);
  if (!binding) throw notFound(`no CDS service has id "${id}"; GET /cds-services lists the services`);
  return binding;
}

/** GET /cds-services */
import { Router } from 'express';
import { discoveryResponse } from '../discovery.js';
import type { ServiceCatalog } from '../../use-cases/service-catalog.js';

export function discoveryRoutes(catalog: ServiceCatalog): Router {
  return Router().get('/cds-services', (_req, res) => void res.json(discoveryResponse(catalog)));
}

/** Step 3: the request's hook is the hook the service answers (a service id names one hook). 400 otherwise. */
import { invalidRequest } from '../http/http-error.js';
import type { ServiceBinding } from '../../use-cases/service-catalog.js';
import type { CdsServiceRequest } from '../../cds-hooks/wire-types.js';

export function assertHookMatchesService(request: CdsServiceRequest, binding: ServiceBinding): void {
  if (request.hook !== binding.service.hook) {
    throw invalidRequest(
      [{ pointer: '/hook', message: `is "${request.hook}" but service "${binding.service.id}" answers the "${binding.service.hook}" hook` }],
      'the hook does not match the service',
    );
  }
}

import { lifecycleCommand } from '../lifecycle-command.js';

export const command = lifecycleCommand('activate', 'activate an approved rule-set version (the active one is retired)', [
  'The service serves the active version from its effective-period start; the previously active',
  'version of the same rule set is retired in the same step. Activating a retired version rolls back to it.',
]);

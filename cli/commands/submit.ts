import { lifecycleCommand } from '../lifecycle-command.js';

export const command = lifecycleCommand('submit', 'submit a draft rule-set version for review', [
  'After submission a reviewer other than you and the author approves it (cds-rules approve).',
]);

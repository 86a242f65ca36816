import { lifecycleCommand } from '../lifecycle-command.js';

export const command = lifecycleCommand('approve', 'approve a rule-set version in review (four-eyes: not your own)', [
  'Self-approval is refused: the version\'s author and whoever submitted it cannot approve it.',
  'Review it first: cds-rules diff <rule-set-id> <active version> <version> --impact',
]);

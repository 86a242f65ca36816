import { lifecycleCommand } from '../lifecycle-command.js';

export const command = lifecycleCommand('retire', 'retire the active rule-set version (its services stop)', [
  'Retiring leaves no active version: the rule set\'s services stop answering until another version is activated.',
]);

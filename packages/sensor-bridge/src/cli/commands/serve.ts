import { CliError, type Command } from '../command';

// Placeholder while the command is being built.
export const serveCommand: Command = {
  summary: 'serve (being built)',
  usage: 'hinge serve',
  async run() {
    throw new CliError('not built yet');
  },
};

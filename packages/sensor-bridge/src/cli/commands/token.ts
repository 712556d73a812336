// `hinge token rotate`: a new access token for the data directory, and every patient display link
// revoked, in one step. A running bridge takes the new token within a second (server/auth.ts
// accessTokenOf) and closes connections whose access it no longer grants (server/ws-route.ts).
import { rotateAccessToken } from '../../server/auth';
import { startupStorageError } from '../../server/errors';
import { DISPLAY_TOKEN_PREFIX } from '../../server/session-hub';
import { defaultDataDir, prepareDataDir } from '../../storage/data-dir';
import { Store } from '../../storage/store';
import { CliError, parseCommandArgs, type Command } from '../command';

const usage = `usage: hinge token rotate [--data-dir DIR]

Replaces the access token (the old one stops working within a second, also for a running bridge)
and revokes every patient display link. Prints the new token.

options:
  --data-dir DIR           the data directory (default $HINGE_DATA_DIR or ~/.hinge)
`;


export const tokenCommand: Command = {
  usage,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, { 'data-dir': { type: 'string' } }, usage);
    if (positionals.length !== 1 || positionals[0] !== 'rotate') throw new CliError('HINGE_ERR_USAGE', `give the action: rotate\n\n${usage}`);
    const root = values['data-dir'] ?? defaultDataDir();
    let step = 'opening the data directory';
    let store: Store | null = null;
    try {
      const layout = prepareDataDir(root);
      step = 'opening the database';
      store = new Store(layout.database);
      step = 'revoking the display links';
      // Links first: should the token write fail, no link outlives the rotation that was asked for.
      const revoked = store.deleteSettingsWithPrefix(DISPLAY_TOKEN_PREFIX);
      step = 'writing the new access token';
      const token = rotateAccessToken(layout.accessToken);
      io.out.write(`${token}\n`);
      io.err.write(`new access token written to ${layout.accessToken}; ${revoked} display link(s) revoked\n`);
      return 0;
    } catch (error) {
      throw startupStorageError(root, step, error);
    } finally {
      store?.close();
    }
  },
};

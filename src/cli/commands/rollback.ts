import { createInterface } from 'node:readline/promises';
import { InputError } from '../../core/errors.js';
import { DeployRolledBackError } from '../../flows/deploy.js';
import { chooseRestore, requireProd, restoreData, rollback, type RollbackResult } from '../../flows/rollback.js';
import { flag, stringValue, type Command } from '../command.js';
import { jsonOption } from '../shared-options.js';
import { composeOptions, composeTargetFromArgs, deployDeps, timingOptions, timingsFromArgs } from '../deploy-options.js';

/** Asks on the terminal; true for y/yes. Tests inject their own. */
export type Confirm = (question: string) => Promise<boolean>;

export const terminalConfirm: Confirm = async (question) => {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
};

export function rollbackCommandWith(confirm: Confirm, isTty: () => boolean): Command {
  return {
    name: 'rollback',
    summary: 'Roll prod back: instantly to the previous release (the hot standby), to a named version, or restore a data backup.',
    usage:
      'release-flow rollback --env prod [--to vX.Y.Z] [--restore-data NAME|latest [--yes]] [--image NAME] [--compose FILE] [--project NAME] [--env-file FILE] [--data-dir DIR] [--json]',
    options: {
      env: { type: 'string', placeholder: 'ENV', help: 'prod (dev follows latest: use deploy --env dev)' },
      to: { type: 'string', placeholder: 'vX.Y.Z', help: 'deploy this release instead of the previous one' },
      'restore-data': { type: 'string', placeholder: 'NAME', help: 'restore a data backup: "latest", a backup name or a version label' },
      yes: { type: 'boolean', short: 'y', help: 'restore without asking for confirmation' },
      image: { type: 'string', placeholder: 'NAME', help: 'the image without tag, when a release must be deployed (default $RELEASE_FLOW_IMAGE)' },
      ...composeOptions,
      ...timingOptions,
      ...jsonOption,
    },
    async run(args, io) {
      const env = stringValue(args, 'env');
      requireProd(env ?? '');
      const json = flag(args, 'json');
      const log = (line: string) => io.stderr(`${line}\n`);
      const deps = deployDeps(log);
      const target = composeTargetFromArgs(args, io);
      const { lockTimeoutMs } = timingsFromArgs(args);
      const restore = stringValue(args, 'restore-data');
      if (restore !== undefined) {
        if (stringValue(args, 'to') !== undefined) throw new InputError('--to', stringValue(args, 'to'), 'no --to with --restore-data (restore the data, then roll back the release separately)');
        const chosen = await chooseRestore(deps.docker, { ...target, backup: restore });
        if (!flag(args, 'yes')) {
          if (!isTty()) throw new InputError('--yes', '', `--yes to restore ${chosen.name} without a prompt (stdin is not a terminal)`);
          const ok = await confirm(`Restore ${chosen.name} into ${chosen.dataDir}? The app containers stop meanwhile; the current data is kept aside. [y/N] `);
          if (!ok) {
            io.stderr('release-flow rollback: restore cancelled; nothing was changed\n');
            return 1;
          }
        }
        const r = await restoreData(deps.docker, { ...target, backup: chosen.name, ...(lockTimeoutMs !== undefined ? { lockTimeoutMs } : {}), log });
        if (json) io.stdout(`${JSON.stringify({ outcome: 'restored', ...r })}\n`);
        else
          io.stdout(
            [`restored ${r.backup} into ${r.dataDir}`, `previous data kept in ${r.previousData ?? '(there was none)'}`, `recreated: ${r.restarted.join(', ') || 'nothing was running'}`].join('\n') + '\n',
          );
        return 0;
      }
      let result: RollbackResult;
      try {
        result = await rollback(
          deps,
          {
            env: 'prod',
            to: stringValue(args, 'to'),
            image: stringValue(args, 'image') ?? io.env.RELEASE_FLOW_IMAGE,
            ...target,
          ...timingsFromArgs(args),
            log,
          },
        );
      } catch (error) {
        if (!(error instanceof DeployRolledBackError)) throw error;
        io.stderr(`release-flow rollback: ${error.message}\n`);
        if (json) io.stdout(`${JSON.stringify({ env: 'prod', mode: 'deploy', outcome: 'rolled-back', version: error.result.version })}\n`);
        return 1;
      }
      const out = {
        env: result.env,
        mode: result.mode,
        outcome: 'success',
        version: result.version,
        digest: result.digest,
        'previous-version': result.previousVersion,
        colour: result.colour ?? null,
        url: result.url ?? null,
      };
      if (json) io.stdout(`${JSON.stringify(out)}\n`);
      else io.stdout(Object.entries(out).map(([k, v]) => `${k}=${v ?? ''}`).join('\n') + '\n');
      return 0;
    },
  };
}

export const rollbackCommand: Command = rollbackCommandWith(terminalConfirm, () => process.stdin.isTTY === true);

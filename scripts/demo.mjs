#!/usr/bin/env node
// npm run demo: a local rehearsal of the whole release-flow on this machine, for newcomers.
//
// A throwaway service repository gets two releases (Conventional Commits -> version, release notes,
// tag), their images are pushed to a local registry, prod is deployed blue/green behind Caddy with
// docker compose (the second deploy under load, counting failed requests), a broken release rolls
// itself back, the active environment is switched, and `release-flow status` shows the result.
// Only the public CLI (`node dist/cli/index.js`, shown as `release-flow`), git and docker are used.
// Everything is removed at the end, on failure and on Ctrl-C, unless --keep.
//
// Plain Node ESM, no build step; helpers in scripts/demo/.

import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkBed, nodeForCli } from './demo/bed.mjs';
import { CommandError, run, stopChildren } from './demo/exec.mjs';
import { servedVersion, startLoad } from './demo/load.mjs';
import { choosePorts, createSandbox, destroySandbox, freeSubnet } from './demo/sandbox.mjs';
import { bold, createUi, cyan, dim, green, plain, red, seconds, yellow } from './demo/ui.mjs';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cliEntry = join(repoRoot, 'dist/cli/index.js');

const HELP = `npm run demo [-- OPTIONS]     (or: node scripts/demo.mjs [OPTIONS])

A local rehearsal of release-flow, end to end, on this machine (about 2 minutes):
  1. a Docker engine, buildx, compose and a registry on 127.0.0.1:5000 (set up by
     test/bed/engine.sh when missing: as root, 1-3 minutes the first time)
  2. a throwaway service repository in a temporary directory
  3-4. two releases from Conventional Commits: version, release notes, tag, image pushed
  5-6. prod deploys (blue/green behind Caddy), the second under load: failed requests counted
  7. a broken release: its deploy fails the health check and rolls itself back
  8-9. release-flow switch dev / prod, and release-flow status
Everything it starts is removed at the end, on failure and on Ctrl-C (the images stay in the
local registry). Only the public CLI (node dist/cli/index.js), git and docker are used.

Options:
  --keep              leave the repository and the containers running to explore; prints how
                      to clean up (bash <tmp>/cleanup.sh)
  --platforms LIST    image platforms, e.g. linux/amd64,linux/arm64 (default: this machine's own,
                      for speed; other platforms build under QEMU)
  -h, --help          this help

Environment:
  RF_DEMO_PROD_PORT   prod's port on 127.0.0.1 (default 18002, or a free one if taken)
  RF_DEMO_DEV_PORT    dev's port on 127.0.0.1 (default 18003, or a free one if taken)
  NO_COLOR            plain output
`;

// ---------------------------------------------------------------------------------------------
// Arguments

function parseArgs(argv) {
  const opts = { keep: false, platforms: undefined, help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '-h' || arg === '--help') opts.help = true;
    else if (arg === '--keep') opts.keep = true;
    else if (arg === '--platforms' || arg.startsWith('--platforms=')) {
      const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[++i];
      if (!value) usage('--platforms needs a list, e.g. --platforms linux/amd64,linux/arm64');
      opts.platforms = value
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean)
        .map((p) => (p.includes('/') ? p : `linux/${p}`));
      for (const p of opts.platforms) if (!/^linux\/(amd64|arm64)$/.test(p)) usage(`--platforms: "${p}" is not supported; use linux/amd64 and/or linux/arm64`);
    } else usage(`unknown option "${arg}"`);
  }
  return opts;
}

function usage(message) {
  process.stderr.write(`demo: ${message}\nRun \`node scripts/demo.mjs --help\` for the options.\n`);
  process.exit(2);
}

const opts = parseArgs(process.argv.slice(2));
if (opts.help) {
  process.stdout.write(HELP);
  process.exit(0);
}

// ---------------------------------------------------------------------------------------------
// State shared by the steps, the summary and the clean-up

const TOTAL_STEPS = 9;
const ui = createUi({ total: TOTAL_STEPS });
const id = randomBytes(3).toString('hex');
const t0 = performance.now();
const results = {};
let sandbox;
let node;
let load;
let shuttingDown;

/** The environment of every child: this one without variables that would steer the CLI or compose elsewhere. */
function childEnv() {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(GITHUB_|SYNAPSE_|COMPOSE_|RUNNER_)/.test(k) || k === 'RELEASE_FLOW_IMAGE' || k === 'CI') continue;
    env[k] = v;
  }
  return { ...env, LC_ALL: 'C', GIT_TERMINAL_PROMPT: '0' };
}

// ---------------------------------------------------------------------------------------------
// Running things, visibly

/**
 * `release-flow ARGS` in the service repository: shown as the user would type it, run as
 * `node dist/cli/index.js ARGS`. stdout is printed; stderr (progress) is printed dimmed unless
 * `quiet`, and kept for a failure report either way. `expect` is the exit code wanted.
 */
async function cli(args, { quiet = false, expect = 0, filter } = {}) {
  const shown = `release-flow ${args.map(showArg).join(' ')}`;
  ui.command(shown);
  const r = await run(node.path, [cliEntry, ...args], {
    cwd: sandbox.repo,
    env: childEnv(),
    shown,
    allowFail: true,
    timeoutMs: 240_000,
    onLine: (raw, stream) => {
      const line = plain(raw);
      if (!line.trim()) return;
      if (stream === 'stdout') ui.out(line);
      else if (!quiet && (!filter || filter(line))) ui.log(line);
    },
  });
  if (r.code !== expect) throw new CommandError(shown, r, `\`${shown}\` exited with ${r.signal ? `signal ${r.signal}` : `code ${r.code}`}${expect !== 0 ? ` (the demo expected ${expect})` : ''}`);
  return r;
}

/** git ARGS in the service repository, shown. */
async function git(args, { show = true } = {}) {
  const shown = `git ${args.map(showArg).join(' ')}`;
  if (show) ui.command(shown);
  return run('git', args, { cwd: sandbox.repo, env: childEnv(), shown });
}

function showArg(arg) {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** Edits a file of the service repository: replaces `from` (which must be there) by `to`. */
function edit(file, from, to, what) {
  const path = join(sandbox.repo, file);
  const text = readFileSync(path, 'utf8');
  if (!text.includes(from)) throw new Error(`${file} no longer contains ${JSON.stringify(from)}: test/fixtures/service changed; update scripts/demo.mjs`);
  writeFileSync(path, text.replace(from, to));
  ui.note(`${dim('edit')} ${file}: ${what}`);
}

/** The section of release-notes.md for VERSION. */
function notesSection(version) {
  const text = readFileSync(join(sandbox.repo, 'release-notes.md'), 'utf8');
  const start = text.indexOf(`## ${version} `);
  if (start < 0) return `(no "## ${version}" section in release-notes.md)`;
  const next = text.indexOf('\n## ', start + 1);
  return text.slice(start, next < 0 ? undefined : next).trim();
}

async function showServed(port, label) {
  const v = await servedVersion(port);
  ui.note(`GET http://127.0.0.1:${port}/version ${dim('->')} ${bold(v)}${label ? `  ${dim(label)}` : ''}`);
  return v;
}

async function step(title, why, body) {
  ui.step(title, why);
  const summary = await body();
  ui.done(summary);
}

// ---------------------------------------------------------------------------------------------
// The steps

async function main() {
  process.stdout.write(
    `${bold('release-flow demo')}: two releases, their images, zero-downtime deploys, an automatic rollback and an\n` +
      `environment switch, all on this machine. ${dim('(--help for options; Ctrl-C stops and cleans up)')}\n`,
  );
  const platformsWanted = opts.platforms;

  await step('Container engine and registry', 'Images are built with docker buildx, pushed to a local registry and run with docker compose.', async () => {
    node = await nodeForCli(repoRoot, (line) => ui.note(line));
    const platforms = platformsWanted ?? ['linux/amd64'];
    let { problems, facts } = await checkBed({ repoRoot, platforms });
    if (problems.length > 0) {
      ui.note(yellow('The test bed is not ready:'));
      for (const p of problems) ui.note(`  - ${p}`);
      ui.note(`Setting up the test bed with test/bed/engine.sh: engine, buildx, compose, QEMU and a registry on 127.0.0.1:5000.`);
      ui.note(dim('It needs root; the first time it downloads Debian packages (1-3 minutes), later runs take seconds.'));
      ui.command('bash test/bed/engine.sh');
      await run('bash', [join(repoRoot, 'test/bed/engine.sh')], {
        cwd: repoRoot,
        env: childEnv(),
        shown: 'bash test/bed/engine.sh',
        timeoutMs: 900_000,
        onLine: (line) => plain(line).trim() && ui.log(plain(line)),
      });
      ({ problems, facts } = await checkBed({ repoRoot, platforms }));
      if (problems.length > 0) throw new Error(`the test bed is still not ready after engine.sh:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    }
    // The default is this machine's own platform (amd64 here): the deploy's pre-flight wants an
    // image the host can run, and one platform builds fastest.
    const native = facts.nativePlatform;
    results.platforms = platformsWanted ?? [native];
    if (!results.platforms.includes(native)) throw new Error(`--platforms ${results.platforms.join(',')} leaves out this machine's ${native}: prod could not run the image (add ${native})`);
    results.registry = facts.registry;
    results.cpus = facts.cpus;
    ui.note(`Docker ${facts.dockerVersion} (${facts.containerdStore ? 'containerd image store' : facts.storage}), buildx ${facts.buildx}, compose ${facts.compose}, ${facts.cpus} CPUs`);
    ui.note(`registry ${facts.registry}, proxy image ${facts.proxyImage} (stands in for caddy:2), Node ${node.version} for the CLI`);
    ui.note(`image platforms: ${results.platforms.join(', ')}${facts.emulation ? ` (${facts.emulation})` : ''}`);
  });

  await step('A throwaway service repository', 'A copy of test/fixtures/service (busybox httpd: /health, /version) with compose/docker-compose.yml, in a temp dir.', async () => {
    const subnet = await freeSubnet();
    const ports = await choosePorts();
    for (const n of ports.notes) ui.note(yellow(n));
    sandbox = createSandbox({ repoRoot, id, registry: results.registry, ports, subnet, cpus: results.cpus, node: node.path });
    results.ports = ports;
    ui.note(`repository   ${sandbox.repo}`);
    ui.note(`host side    ${sandbox.host}  ${dim('(data/, secrets/, the proxy config the deploys rewrite)')}`);
    ui.note(`compose      project ${bold(sandbox.project)}, prod on 127.0.0.1:${ports.prod}, dev on 127.0.0.1:${ports.dev}, subnet ${subnet}`);
    ui.note(`image        ${sandbox.image}`);
    ui.note(dim(`compose/.env (git-ignored) points the reference compose file at them: SYNAPSE_PROD_PORT, SYNAPSE_DATA_DIR, SYNAPSE_PROXY_IMAGE, …`));
    await git(['init', '--quiet', '--initial-branch=main'], { show: false });
    for (const [k, v] of [['user.name', 'Release Flow Demo'], ['user.email', 'demo@release-flow.invalid'], ['commit.gpgsign', 'false'], ['tag.gpgsign', 'false'], ['core.hooksPath', '/dev/null']]) {
      await git(['config', k, v], { show: false });
    }
    ui.command('git init && git add -A');
    await git(['add', '-A'], { show: false });
    await git(['commit', '--quiet', '-m', 'chore: start synapse from the release-flow test service']);
  });

  await step('First release', 'Conventional Commits decide the version (a feat is a minor bump; the first release is 1.0.0). Local only: no remote, no GitHub.', async () => {
    edit('entrypoint.sh', 'mkdir -p /www\n', 'mkdir -p /www\necho "<h1>synapse</h1>" >/www/index.html\n', 'write a welcome page at start');
    await git(['commit', '--quiet', '-am', 'feat: serve a welcome page on /']);
    await cli(['version']);
    await cli(['release']);
    ui.note(`release-notes.md:`);
    for (const line of notesSection('1.0.0').split('\n')) ui.out(dim(line));
    await publish('1.0.0');
    results.releases = ['1.0.0'];
    return `v1.0.0 tagged and pushed`;
  });

  await step('Second release', 'A feat and a fix since v1.0.0: minor bump to 1.1.0. A build of main also publishes `latest`, which dev follows.', async () => {
    edit('entrypoint.sh', 'echo "<h1>synapse</h1>" >/www/index.html\n', 'echo "<h1>synapse</h1>" >/www/index.html\necho pong >/www/ping\n', 'answer /ping');
    await git(['commit', '--quiet', '-am', 'feat: answer /ping for uptime monitors']);
    edit('entrypoint.sh', 'echo "<h1>synapse</h1>"', 'echo "<h1>synapse ${SERVICE_VERSION}</h1>"', 'show the version on the welcome page');
    await git(['commit', '--quiet', '-am', 'fix: show the running version on the welcome page']);
    await cli(['version']);
    await cli(['release']);
    ui.note(`release-notes.md:`);
    for (const line of notesSection('1.1.0').split('\n')) ui.out(dim(line));
    await publish('1.1.0');
    await cli(['image', '--image', sandbox.image, '--main', '--platforms', results.platforms.join(','), '--build-arg', 'SERVICE_VERSION=1.1.0-main', '--push'], { quiet: true });
    results.releases.push('1.1.0');
    return `v1.1.0 tagged and pushed; latest = main`;
  });

  const prodPort = () => results.ports.prod;
  const deployArgs = (version, extra = []) => ['deploy', '--env', 'prod', '--version', `v${version}`, '--image', sandbox.image, '--project', sandbox.project, '--watch', '5', ...extra];

  await step('Deploy v1.0.0 to prod', 'Blue/green behind Caddy, pinned by digest: pre-flight, data backup, health check, switch, then a watch (5 s here, 60 s by default).', async () => {
    await cli(deployArgs('1.0.0'), { filter: deployLogFilter });
    await showServed(prodPort());
    return 'prod serves 1.0.0';
  });

  await step('Deploy v1.1.0 under load', `The new release starts in the idle colour; Caddy switches with a graceful reload. Meanwhile: 20 requests/s to prod.`, async () => {
    load = startLoad(prodPort(), { rate: 20 });
    await new Promise((r) => setTimeout(r, 1000));
    await cli(deployArgs('1.1.0'), { filter: deployLogFilter });
    await new Promise((r) => setTimeout(r, 1000));
    const report = await load.stop();
    load = undefined;
    results.load = report;
    const line = `${report.failed.length} failed requests out of ${report.total}`;
    ui.note(`${report.failed.length === 0 ? green(line) : yellow(line)}  ${dim(`(versions answering: ${report.versions.join(' -> ')}; longest gap between answers ${Math.round(report.gapMs)} ms)`)}`);
    for (const f of report.failed.slice(0, 5)) ui.note(yellow(`  failed at ${Math.round(f.sent)} ms: ${f.error}`));
    await showServed(prodPort(), '(v1.0.0 keeps running in the other colour as the hot standby)');
    return line;
  });

  await step('A broken release rolls itself back', 'A "fix" that never writes the health file: /health answers 404, the new colour never gets healthy, traffic never moves.', async () => {
    edit('entrypoint.sh', 'echo ok >/www/health\n', '[ -n "$WARMED_UP" ] && echo ok >/www/health  # bug: WARMED_UP is never set\n', 'write the health file only once "warmed up"');
    await git(['commit', '--quiet', '-am', 'fix: report healthy only once the server is warmed up']);
    await cli(['release']);
    await publish('1.1.1');
    results.releases.push('1.1.1');
    ui.note(dim('--wait-timeout 10: give up on the new colour after 10 s (by default the healthcheck\'s 60 s start period and retries).'));
    load = startLoad(prodPort(), { rate: 20 });
    const r = await cli(deployArgs('1.1.1', ['--wait-timeout', '10']), { expect: 1, filter: deployLogFilter });
    const report = await load.stop();
    load = undefined;
    const rolledBack = /^rolled-back=true$/m.test(r.stdout);
    const verdict = r.stderr.split('\n').find((l) => l.startsWith('release-flow deploy:')) ?? '';
    if (!rolledBack) throw new CommandError(`release-flow ${deployArgs('1.1.1').join(' ')}`, r, 'the deploy of the broken release did not report rolled-back=true');
    const served = await showServed(prodPort());
    if (served !== '1.1.0') throw new Error(`after the rollback prod serves ${served}, not 1.1.0`);
    results.rollback = { verdict, report, served };
    ui.note(`The CLI reported ${bold('rolled back')} (exit 1, rolled-back=true): "${verdict.replace(/^release-flow deploy: /, '').replace(/ \(.*$/, '')}"`);
    ui.note(`Prod still serves ${bold(served)}; ${report.failed.length} failed requests out of ${report.total} during the attempt.`);
    return `1.1.1 rolled back, still serving ${served}`;
  });

  await step('Switch environments', 'switch records SYNAPSE_ACTIVE_ENV in compose/.env and brings that environment up at its recorded version.', async () => {
    await cli(['switch', 'dev', '--image', sandbox.image, '--project', sandbox.project], { filter: deployLogFilter });
    await cli(['switch', 'prod', '--image', sandbox.image, '--project', sandbox.project], { filter: deployLogFilter });
    const active = /^SYNAPSE_ACTIVE_ENV=(.*)$/m.exec(sandbox.readEnv())?.[1];
    ui.note(`compose/.env: SYNAPSE_ACTIVE_ENV=${active}`);
    return `active: ${active}`;
  });

  await step('Status', 'What runs where: version, health, uptime and, for prod, the colour serving.', async () => {
    await cli(['status', '--project', sandbox.project]);
  });
}

/** Deploy progress worth reading; the six pre-flight lines are shown only when one is not ok. */
function deployLogFilter(line) {
  return !/^pre-flight ok:/.test(line);
}

/** `release-flow image --push` for a release (build output hidden: it is kept for a failure report). */
async function publish(version) {
  await cli(['image', '--image', sandbox.image, '--version', version, '--platforms', results.platforms.join(','), '--build-arg', `SERVICE_VERSION=${version}`, '--push'], { quiet: true });
}

// ---------------------------------------------------------------------------------------------
// Summary, failure report, clean-up

function summary() {
  const total = performance.now() - t0;
  ui.write();
  ui.write(bold('Summary'));
  for (const s of ui.steps) {
    const mark = s.status === 'ok' ? green('✓') : s.status === 'failed' ? red('✗') : yellow('-');
    const summary = s.summary ?? (s.status === 'ok' ? '' : s.status);
    ui.write(`  ${mark} ${String(s.n).padStart(2)}. ${s.title.padEnd(36)} ${dim(seconds(s.ms).padStart(7))}${summary ? `  ${summary}` : ''}`);
  }
  ui.write(`  total ${seconds(total)}`);
  if (results.rollback) {
    ui.write(
      `  Released ${results.releases.map((v) => `v${v}`).join(', ')}; prod served 1.0.0, then 1.1.0 with ${results.load.failed.length} failed requests out of ${results.load.total};` +
        ` 1.1.1 was rolled back by itself and prod still serves ${results.rollback.served}.`,
    );
  }
}

function explain(error) {
  const failed = ui.failed() ?? ui.current();
  ui.write();
  const why = error instanceof CommandError ? (error.message.startsWith('`') ? error.message.slice(error.message.indexOf('` ') + 2) : error.message) : error.message;
  ui.write(red(bold(`✗ Step ${failed?.n ?? '?'} (${failed?.title ?? 'start'}) failed${failed ? ` after ${seconds(failed.ms)}` : ''}: ${why}`)));
  if (error instanceof CommandError) {
    ui.write(`  command: ${cyan(`$ ${error.shown}`)}`);
    ui.write(`  exit: ${error.result.signal ? `signal ${error.result.signal}` : error.result.code}, output${error.result.output.split('\n').length > 80 ? ' (last 80 lines)' : ''}:`);
    for (const line of error.result.output.split('\n').slice(-80)) ui.write(`  | ${plain(line)}`);
  } else if (error?.stack && !(error.message ?? '').includes('\n')) {
    ui.write(dim(error.stack.split('\n').slice(1, 4).join('\n')));
  }
}

async function cleanUp({ keep }) {
  if (!sandbox) return;
  if (keep) {
    const p = results.ports;
    ui.write();
    ui.write(bold('Left running (--keep)'));
    ui.write(`  prod         http://127.0.0.1:${p.prod}/version   dev  http://127.0.0.1:${p.dev}/version`);
    ui.write(`  repository   ${sandbox.repo}   ${dim('(git log --oneline, cat release-notes.md)')}`);
    ui.write(`  explore      cd ${sandbox.repo} && export PATH=${join(sandbox.root, 'bin')}:$PATH`);
    ui.write(`               release-flow status --project ${sandbox.project}`);
    ui.write(`               release-flow rollback --env prod --image ${sandbox.image} --project ${sandbox.project}`);
    ui.write(`               docker compose -p ${sandbox.project} -f compose/docker-compose.yml --profile rollout ps`);
    ui.write(`  clean up     ${cyan(`bash ${join(sandbox.root, 'cleanup.sh')}`)}`);
    return;
  }
  const started = performance.now();
  process.stdout.write(`\n${dim(`Cleaning up: compose project ${sandbox.project} (containers, network, volumes), local image copies, ${sandbox.root} …`)}`);
  const problems = await destroySandbox(sandbox);
  process.stdout.write(` ${problems.length === 0 ? green('done') : yellow('done, with problems')} ${dim(seconds(performance.now() - started))}\n`);
  for (const p of problems) ui.write(yellow(`  ${p}`));
  if (problems.length > 0) ui.write(yellow(`  what is left can be removed with: bash ${join(sandbox.root, 'cleanup.sh')} (if the directory still exists) or docker compose -p ${sandbox.project} down -v`));
}

/** The one way out: stop children, report, clean up (once), exit. */
function shutdown(code, { error, signal } = {}) {
  if (shuttingDown) return shuttingDown;
  shuttingDown = (async () => {
    if (signal) {
      ui.write();
      ui.write(yellow(bold(`Interrupted (${signal}) during step ${ui.current()?.n ?? '-'}: stopping what runs and cleaning up …`)));
      ui.failed('interrupted');
      const stopped = await stopChildren();
      if (stopped) ui.write(dim(`  stopped ${stopped} running command(s)`));
    } else if (error) {
      await stopChildren();
      explain(error);
    }
    await load?.stop().catch(() => undefined);
    summary();
    // On Ctrl-C everything goes, --keep or not: the run was abandoned.
    await cleanUp({ keep: opts.keep && !signal });
    if (code === 0) ui.write(green(bold(`\nDemo complete in ${seconds(performance.now() - t0)}.`)));
    process.exit(code);
  })();
  return shuttingDown;
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    if (shuttingDown) {
      process.stdout.write(dim(`\n(${signal}: still cleaning up, please wait)\n`));
      return;
    }
    void shutdown(130, { signal });
  });
}

try {
  await main();
  await shutdown(0);
} catch (error) {
  await shutdown(1, { error });
}

import { describe, expect, test } from 'vitest';
import type { Colour, Environment } from '../../src/core/deploy-state.js';
import { activeEnvSources, envRepairs, liveColour, type ColourCondition, type ColourSeen, type ImageSource, type LiveInput, type RecordedRelease } from '../../src/core/workspace-repair.js';

const digest = (c: string): string => `sha256:${c.repeat(64)}`;
const V1 = digest('1');
const V2 = digest('2');
const V3 = digest('3');

/** A colour's container: `healthy:2` is healthy running v2's digest; `down` is absent. */
function colour(c: Colour, text: string): ColourSeen {
  const [condition = 'down', d] = text.split(':') as [ColourCondition | 'starting' | 'exited', string | undefined];
  const detail = condition === 'down' ? 'absent' : condition === 'running' ? 'unhealthy' : condition;
  return {
    colour: c,
    condition: condition === 'starting' ? 'running' : condition === 'exited' ? 'down' : condition,
    digest: d === undefined ? null : d === '?' ? null : digest(d),
    detail,
  };
}

const rec = (version: string, d: string, c?: Colour): RecordedRelease => ({ version, digest: d, ...(c ? { colour: c } : {}) });
const blueFirst: Colour[] = ['blue', 'green'];
const greenFirst: Colour[] = ['green', 'blue'];

interface Row {
  name: string;
  active: RecordedRelease | null;
  interrupted?: RecordedRelease;
  blue: string;
  green: string;
  upstreams: Colour[] | undefined;
  live: Colour | undefined;
  upstreamsWrong: boolean;
  conflict?: RegExp;
  because?: RegExp;
}

// The cases a reset workspace produces (upstreams.caddy back to its tracked blue-first text), and
// the ones where the state and the containers disagree.
const rows: Row[] = [
  { name: 'state green, upstreams reset to blue, green up and healthy: green; the file is wrong', active: rec('2.0.0', V2, 'green'), blue: 'healthy:1', green: 'healthy:2', upstreams: blueFirst, live: 'green', upstreamsWrong: true, because: /state's active release 2\.0\.0/ },
  { name: 'state green, upstreams green: nothing to repair', active: rec('2.0.0', V2, 'green'), blue: 'healthy:1', green: 'healthy:2', upstreams: greenFirst, live: 'green', upstreamsWrong: false },
  { name: 'state blue, upstreams blue, both healthy: blue', active: rec('1.0.0', V1, 'blue'), blue: 'healthy:1', green: 'healthy:2', upstreams: blueFirst, live: 'blue', upstreamsWrong: false },
  { name: 'state green but green is down and blue healthy: blue, and it says so', active: rec('2.0.0', V2, 'green'), blue: 'healthy:1', green: 'exited:2', upstreams: greenFirst, live: 'blue', upstreamsWrong: true, conflict: /state records 2\.0\.0 on green, but green is exited; blue is healthy/ },
  { name: 'state green but green is absent, blue healthy, upstreams already blue', active: rec('2.0.0', V2, 'green'), blue: 'healthy:1', green: 'down', upstreams: blueFirst, live: 'blue', upstreamsWrong: false, conflict: /green is absent/ },
  { name: 'state green, green only starting, blue healthy: the healthy one', active: rec('2.0.0', V2, 'green'), blue: 'healthy:1', green: 'starting:2', upstreams: greenFirst, live: 'blue', upstreamsWrong: true, conflict: /green is starting; blue is healthy/ },
  { name: 'state green, green unhealthy, blue gone: green still (the only one running)', active: rec('2.0.0', V2, 'green'), blue: 'down', green: 'running:2', upstreams: blueFirst, live: 'green', upstreamsWrong: true, because: /running, not healthy/ },
  { name: 'nothing up: none, nothing to rewrite', active: rec('2.0.0', V2, 'green'), blue: 'down', green: 'exited:2', upstreams: blueFirst, live: undefined, upstreamsWrong: false, conflict: /green is exited/ },
  { name: 'nothing up and no record: none', active: null, blue: 'down', green: 'down', upstreams: undefined, live: undefined, upstreamsWrong: false, because: /no prod colour is running/ },
  { name: 'state says green, but the release it records runs on blue (swapped by hand): blue', active: rec('2.0.0', V2, 'green'), blue: 'healthy:2', green: 'healthy:1', upstreams: greenFirst, live: 'blue', upstreamsWrong: true, conflict: /records 2\.0\.0 on green, but blue runs it/ },
  { name: 'state green, green runs an unknown digest (unpinned), blue another: green', active: rec('2.0.0', V2, 'green'), blue: 'healthy:1', green: 'healthy:?', upstreams: blueFirst, live: 'green', upstreamsWrong: true },
  { name: 'state green, green runs another release and no colour runs the recorded one: green, and it says so', active: rec('2.0.0', V2, 'green'), blue: 'healthy:1', green: 'healthy:3', upstreams: greenFirst, live: 'green', upstreamsWrong: false, conflict: /records 2\.0\.0 .* on green, but green runs sha256:3/ },
  { name: 'a record without colour: the colour that runs its digest', active: rec('2.0.0', V2), blue: 'healthy:1', green: 'healthy:2', upstreams: blueFirst, live: 'green', upstreamsWrong: true },
  { name: 'no record, both healthy: upstreams breaks the tie', active: null, blue: 'healthy:1', green: 'healthy:2', upstreams: greenFirst, live: 'green', upstreamsWrong: false, because: /state records no active release/ },
  { name: 'no record, only blue up: blue', active: null, blue: 'healthy:1', green: 'down', upstreams: greenFirst, live: 'blue', upstreamsWrong: true },
  { name: 'no record, both up, no upstreams file: blue', active: null, blue: 'healthy:1', green: 'healthy:2', upstreams: undefined, live: 'blue', upstreamsWrong: true },
  { name: 'a colourless record no colour runs, both up: upstreams first, and it says so', active: rec('3.0.0', V3), blue: 'healthy:1', green: 'healthy:2', upstreams: greenFirst, live: 'green', upstreamsWrong: false, conflict: /no colour runs/ },
  { name: 'an interrupted deploy that had switched (upstreams lists its colour first): its colour', active: rec('2.0.0', V2, 'green'), interrupted: rec('3.0.0', V3, 'blue'), blue: 'healthy:3', green: 'healthy:2', upstreams: blueFirst, live: 'blue', upstreamsWrong: false, because: /interrupted deploy of 3\.0\.0 had switched/ },
  { name: 'an interrupted deploy that had not switched: the active record', active: rec('2.0.0', V2, 'green'), interrupted: rec('3.0.0', V3, 'blue'), blue: 'healthy:3', green: 'healthy:2', upstreams: greenFirst, live: 'green', upstreamsWrong: false },
  { name: 'an interrupted deploy whose colour never got healthy: the active record', active: rec('2.0.0', V2, 'green'), interrupted: rec('3.0.0', V3, 'blue'), blue: 'starting:3', green: 'healthy:2', upstreams: blueFirst, live: 'green', upstreamsWrong: true },
  { name: 'an upstreams file naming one colour only is rewritten', active: rec('1.0.0', V1, 'blue'), blue: 'healthy:1', green: 'down', upstreams: ['blue'], live: 'blue', upstreamsWrong: true },
];

describe('liveColour: which prod colour is live, from the state record and the containers', () => {
  test.each(rows)('$name', (row) => {
    const input: LiveInput = {
      active: row.active,
      interrupted: row.interrupted ?? null,
      colours: [colour('blue', row.blue), colour('green', row.green)],
      upstreams: row.upstreams,
    };
    const d = liveColour(input);
    expect(d.live).toBe(row.live);
    expect(d.upstreamsWrong).toBe(row.upstreamsWrong);
    if (row.live) expect(d.order).toEqual([row.live, row.live === 'blue' ? 'green' : 'blue']);
    if (row.conflict) expect(d.conflict).toMatch(row.conflict);
    else expect(d.conflict).toBeUndefined();
    if (row.because) expect(d.because).toMatch(row.because);
  });

  test('with nothing live, the order is the file\'s (or blue first) and nothing is rewritten', () => {
    expect(liveColour({ active: null, colours: [], upstreams: greenFirst })).toMatchObject({ live: undefined, order: ['green', 'blue'], upstreamsWrong: false });
    expect(liveColour({ active: null, colours: [], upstreams: undefined })).toMatchObject({ live: undefined, order: ['blue', 'green'], upstreamsWrong: false });
  });
});

describe('envRepairs: the image variables a wiped or stale env file gets back', () => {
  const image = '127.0.0.1:5000/owner/synapse';
  const blue: ImageSource = { variable: 'SYNAPSE_PROD_BLUE_IMAGE', ref: `${image}@${V1}`, from: 'synapse-prod-blue', container: true };
  const green: ImageSource = { variable: 'SYNAPSE_PROD_GREEN_IMAGE', ref: `${image}@${V2}`, from: 'synapse-prod-green', container: true };
  const dev: ImageSource = { variable: 'SYNAPSE_DEV_IMAGE', ref: `${image}:latest`, from: 'synapse-dev', container: true };
  const fromState = (variable: string, d: string): ImageSource => ({ variable, ref: `${image}@${d}`, from: 'the state file', container: false });

  test.each<{ name: string; current: Record<string, string>; sources: ImageSource[]; values: Record<string, string>; notes: RegExp[] }>([
    {
      name: 'an empty file gets every container\'s reference back',
      current: {},
      sources: [blue, green, dev],
      values: { SYNAPSE_PROD_BLUE_IMAGE: blue.ref, SYNAPSE_PROD_GREEN_IMAGE: green.ref, SYNAPSE_DEV_IMAGE: dev.ref },
      notes: [/^SYNAPSE_PROD_BLUE_IMAGE from synapse-prod-blue$/, /GREEN/, /DEV/],
    },
    { name: 'present and consistent values are left alone', current: { SYNAPSE_PROD_BLUE_IMAGE: blue.ref, SYNAPSE_PROD_GREEN_IMAGE: green.ref, SYNAPSE_PORT: '1' }, sources: [blue, green], values: {}, notes: [] },
    { name: 'only the missing one is restored', current: { SYNAPSE_PROD_BLUE_IMAGE: blue.ref }, sources: [blue, green], values: { SYNAPSE_PROD_GREEN_IMAGE: green.ref }, notes: [/^SYNAPSE_PROD_GREEN_IMAGE from synapse-prod-green$/] },
    {
      name: 'a placeholder copied from .env.example is replaced by what the container runs',
      current: { SYNAPSE_PROD_GREEN_IMAGE: 'ghcr.io/owner/synapse:v1.0.0' },
      sources: [green],
      values: { SYNAPSE_PROD_GREEN_IMAGE: green.ref },
      notes: [/was ghcr\.io\/owner\/synapse:v1\.0\.0; synapse-prod-green runs/],
    },
    { name: 'an empty value counts as missing', current: { SYNAPSE_DEV_IMAGE: '' }, sources: [dev], values: { SYNAPSE_DEV_IMAGE: dev.ref }, notes: [/from synapse-dev/] },
    {
      name: 'the state file fills a colour with no container, after the containers',
      current: {},
      sources: [blue, fromState('SYNAPSE_PROD_BLUE_IMAGE', V3), fromState('SYNAPSE_PROD_GREEN_IMAGE', V2)],
      values: { SYNAPSE_PROD_BLUE_IMAGE: blue.ref, SYNAPSE_PROD_GREEN_IMAGE: `${image}@${V2}` },
      notes: [/BLUE.*synapse-prod-blue/, /GREEN.*the state file/],
    },
    { name: 'the state file never overrides a value that is present', current: { SYNAPSE_PROD_GREEN_IMAGE: `${image}@${V3}` }, sources: [fromState('SYNAPSE_PROD_GREEN_IMAGE', V2)], values: {}, notes: [] },
  ])('$name', ({ current, sources, values, notes }) => {
    const r = envRepairs(current, sources);
    expect(r.values).toEqual(values);
    expect(r.notes).toHaveLength(notes.length);
    notes.forEach((n, i) => expect(r.notes[i]).toMatch(n));
  });
});

describe('SYNAPSE_ACTIVE_ENV: written back from the state file when the env file lost it', () => {
  const image = '127.0.0.1:5000/owner/synapse';
  const dev: ImageSource = { variable: 'SYNAPSE_DEV_IMAGE', ref: `${image}:latest`, from: 'synapse-dev', container: true };

  test.each<{ name: string; recorded: Environment | undefined; current: Record<string, string>; values: Record<string, string>; notes: RegExp[] }>([
    { name: 'a wiped file gets the recorded environment back, with the images', recorded: 'prod', current: {}, values: { SYNAPSE_DEV_IMAGE: dev.ref, SYNAPSE_ACTIVE_ENV: 'prod' }, notes: [/DEV/, /^SYNAPSE_ACTIVE_ENV from the state file$/] },
    { name: 'an empty value counts as missing', recorded: 'dev', current: { SYNAPSE_DEV_IMAGE: dev.ref, SYNAPSE_ACTIVE_ENV: '' }, values: { SYNAPSE_ACTIVE_ENV: 'dev' }, notes: [/^SYNAPSE_ACTIVE_ENV from the state file$/] },
    { name: 'the same value: nothing to write', recorded: 'dev', current: { SYNAPSE_DEV_IMAGE: dev.ref, SYNAPSE_ACTIVE_ENV: 'dev' }, values: {}, notes: [] },
    { name: 'a value set by hand is never overridden', recorded: 'prod', current: { SYNAPSE_DEV_IMAGE: dev.ref, SYNAPSE_ACTIVE_ENV: 'dev' }, values: {}, notes: [] },
    { name: 'no switch recorded yet: nothing to restore', recorded: undefined, current: { SYNAPSE_DEV_IMAGE: dev.ref }, values: {}, notes: [] },
  ])('$name', ({ recorded, current, values, notes }) => {
    const r = envRepairs(current, [dev, ...activeEnvSources(recorded)]);
    expect(r.values).toEqual(values);
    expect(r.notes).toHaveLength(notes.length);
    notes.forEach((n, i) => expect(r.notes[i]).toMatch(n));
  });
});

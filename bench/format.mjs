// Number formats and status cells shared by the bench's tables (bench/run.mjs, bench/image.mjs, bench/deploy.mjs).

export const fmtInt = (n) => Math.round(n).toLocaleString('en-US');
export const fmtMs = (ms) => (ms === null || ms === undefined ? '—' : ms >= 100 ? `${fmtInt(ms)} ms` : `${ms.toFixed(1)} ms`);
/** A difference of two times, with its sign. */
export const fmtDeltaMs = (ms) => (ms === null || ms === undefined ? '—' : `${ms < 0 ? '−' : '+'}${fmtMs(Math.abs(ms))}`);
export const fmtMb = (kb) => (kb === null || kb === undefined ? '—' : `${(kb / 1024).toFixed(1)} MB`);
export const fmtPct = (ratio) => (ratio === null || ratio === undefined ? '—' : `${(ratio * 100).toFixed(0)} %`);
export const status = (ok) => (ok === null ? '**not measured**' : ok ? '✅ met' : '❌ missed');

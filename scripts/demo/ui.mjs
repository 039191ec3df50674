// The demo's account of what it does: numbered steps with a one-line explanation, the commands
// as a user would type them, their output indented, and the time each step took.

const tty = process.stdout.isTTY && !process.env.NO_COLOR && process.env.TERM !== 'dumb';
const paint = (code) => (text) => (tty ? `\x1b[${code}m${text}\x1b[0m` : text);
export const bold = paint('1');
export const dim = paint('2');
export const red = paint('31');
export const green = paint('32');
export const yellow = paint('33');
export const cyan = paint('36');

const INDENT = '    ';

/** Terminal control sequences a child printed (compose's logs carry ESC[2K even with --no-color). */
export const plain = (text) => text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '');

/** Seconds with one decimal: 3.4 s. */
export const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

export function createUi({ total }) {
  const steps = [];
  let current;

  const write = (line = '') => process.stdout.write(`${line}\n`);

  return {
    steps,
    write,
    /** Starts step N: its title and a one-line explanation. */
    step(title, why) {
      current = { n: steps.length + 1, title, started: performance.now(), ms: 0, status: 'running' };
      steps.push(current);
      write();
      write(bold(`${String(current.n).padStart(2)}/${total}  ${title}`));
      if (why) write(`${INDENT}${dim(why)}`);
      return current;
    },
    /** A command as the user would type it. */
    command(text) {
      write(`${INDENT}${cyan(`$ ${text}`)}`);
    },
    /** Output of a command (stdout), indented. */
    out(line) {
      write(`${INDENT}  ${line}`);
    },
    /** Progress a command logs (stderr), dimmed. */
    log(line) {
      write(`${INDENT}  ${dim(line)}`);
    },
    /** What the demo itself observed or concluded. */
    note(line) {
      write(`${INDENT}${line}`);
    },
    done(summary) {
      if (!current) return;
      current.ms = performance.now() - current.started;
      current.status = 'ok';
      current.summary = summary;
      write(`${INDENT}${green('✓')} ${dim(seconds(current.ms))}${summary ? `  ${summary}` : ''}`);
    },
    failed(status = 'failed') {
      if (!current || current.status !== 'running') return undefined;
      current.ms = performance.now() - current.started;
      current.status = status;
      return current;
    },
    current: () => current,
  };
}

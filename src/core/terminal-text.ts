// Text a terminal program wrote, made fit for a log, an error message or a job summary: compose
// (2.26) writes cursor and erase sequences such as `ESC[2K` even with --no-color, and a container's
// log may hold colours. Pure; no I/O.

// OSC, DCS, SOS, PM and APC strings, up to BEL or ST; an unterminated one only to the end of its line.
const STRING_SEQUENCE = /(?:\x1b[\]P^_X]|[\x90\x98\x9d-\x9f])[^\x07\x1b\x9c\n]*(?:\x07|\x1b\\|\x9c)?/g;
const CSI_SEQUENCE = /(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]/g;
const ESC_SEQUENCE = /\x1b[ -/]*[0-~]/g;
const CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]/g;

/**
 * Removes ANSI escape sequences (CSI such as colours, erase line and cursor moves; OSC such as
 * titles and links; other ESC sequences) and control characters. Keeps newlines and tabs; a
 * carriage return ends a line (CRLF becomes LF, a lone CR a newline, so overwritten progress
 * lines stay readable, one a line).
 */
export function stripTerminalControls(text: string): string {
  return text
    .replace(STRING_SEQUENCE, '')
    .replace(CSI_SEQUENCE, '')
    .replace(ESC_SEQUENCE, '')
    .replace(/\r\n?/g, '\n')
    .replace(CONTROL, '');
}

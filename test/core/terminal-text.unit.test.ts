import { describe, expect, test } from 'vitest';
import { stripTerminalControls } from '../../src/core/terminal-text.js';

describe('stripTerminalControls', () => {
  test.each([
    ['plain text is kept', 'listening on :8002', 'listening on :8002'],
    ['the empty string', '', ''],
    ['newlines and tabs are kept', 'a\n\tb\n', 'a\n\tb\n'],
    ["compose 2.26's erase line (ESC[2K) and cursor up (ESC[1A)", '\x1b[2K\x1b[1A\x1b[2K Container synapse-prod-green  Waiting', ' Container synapse-prod-green  Waiting'],
    ['colours (SGR)', '\x1b[31merror\x1b[0m: \x1b[1;32mok\x1b[m', 'error: ok'],
    ['cursor show and hide (private CSI)', '\x1b[?25lworking\x1b[?25h', 'working'],
    ['the 8-bit CSI', '\x9b2Kline', 'line'],
    ['an OSC title ended by BEL', '\x1b]0;compose\x07up', 'up'],
    ['an OSC link ended by ST', '\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\', 'link'],
    ['an unterminated OSC ends with its line, not the text', '\x1b]0;title\nnext line', '\nnext line'],
    ['two-character ESC sequences (save cursor, charset)', '\x1b7\x1b(Bsaved\x1b8', 'saved'],
    ['CRLF becomes LF', 'one\r\ntwo\r\n', 'one\ntwo\n'],
    ['a lone CR (progress overwritten in place) ends a line', 'Pulling 10%\rPulling 100%', 'Pulling 10%\nPulling 100%'],
    ['other control characters go (NUL, BEL, backspace, form feed, DEL)', 'a\x00b\x07c\bd\x0ce\x7ff', 'abcdef'],
    ['a lone ESC at the end goes', 'cut\x1b', 'cut'],
    ['non-ASCII text is kept', 'grün ✓ 日本', 'grün ✓ 日本'],
  ])('%s', (_, input, expected) => {
    expect(stripTerminalControls(input)).toBe(expected);
  });
});

export function pickFreeSubnets(taken: readonly string[], count?: number): string[];
export function freeEngineSubnets(count?: number): string[];

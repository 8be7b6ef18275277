/**
 * BENCHMARKS.md holds the reports of several benchmarks. Each one except the
 * TPC-H report (which owns the top of the file) lives between a pair of HTML
 * comment markers, so a benchmark can rewrite its own section and keep the others.
 */

const begin = (name: string): string => `<!-- bench:${name}:begin -->`;
const end = (name: string): string => `<!-- bench:${name}:end -->`;

/** `document` with section `name` replaced by `body` (appended when the document has no such section). */
export function replaceSection(document: string, name: string, body: string): string {
  const block = `${begin(name)}\n${body.trimEnd()}\n${end(name)}\n`;
  const start = document.indexOf(begin(name));
  const stop = document.indexOf(end(name));
  if (start >= 0 && stop > start) return document.slice(0, start) + block + document.slice(stop + end(name).length).replace(/^\n/, '');
  return document.trim() === '' ? block : `${document.trimEnd()}\n\n${block}`;
}

/** `fresh` followed by every marked section of `previous`, so a rewrite of the unmarked part keeps them. */
export function keepSections(previous: string, fresh: string): string {
  const sections = previous.match(/<!-- bench:([a-z0-9-]+):begin -->[\s\S]*?<!-- bench:\1:end -->/g) ?? [];
  return sections.length === 0 ? fresh : `${fresh.trimEnd()}\n\n${sections.join('\n\n')}\n`;
}

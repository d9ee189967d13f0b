/**
 * Plain-text tables for the terminal: each column as wide as its widest cell, two spaces apart, no trailing space.
 * `rule` underlines the header; `alignRight` lists the columns (figures) padded on the left.
 */
export function formatTable(header: string[], rows: string[][], options: { rule?: boolean; alignRight?: number[] } = {}): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const right = new Set(options.alignRight ?? []);
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => (right.has(column) ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!)))
      .join('  ')
      .trimEnd();
  const rule = options.rule ? [line(widths.map((width) => '-'.repeat(width)))] : [];
  return [line(header), ...rule, ...rows.map(line)].join('\n');
}

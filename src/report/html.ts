/** Text made safe for HTML content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** The report's inline style sheet: no external fetch, so the folder opens offline. */
export const REPORT_CSS = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #222; margin: 2em auto; max-width: 1200px; padding: 0 1em; }
h1 { font-size: 1.6em; margin-bottom: .2em; }
h2 { font-size: 1.25em; margin-top: 2em; border-bottom: 1px solid #ddd; padding-bottom: .2em; }
.meta { color: #666; margin-top: 0; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; margin: .8em 0; font-variant-numeric: tabular-nums; }
caption { text-align: left; font-weight: 600; padding-bottom: .4em; }
th, td { border: 1px solid #ccc; padding: .25em .55em; }
th { background: #f4f4f4; }
td { text-align: right; }
td:nth-child(1), td:nth-child(2) { text-align: left; }
td b { color: #000; }
figure { margin: 0; }
svg text { font-family: system-ui, sans-serif; }
.crop-row { margin: 1em 0 1.6em; }
.crop-caption { color: #444; margin: .2em 0 .5em; }
.crop-images { display: flex; flex-wrap: wrap; gap: 8px; }
.crop img { width: 180px; height: auto; image-rendering: pixelated; display: block; background: #000; }
.crop figcaption { text-align: center; font-size: .9em; }
.psnr { color: #555; font-variant-numeric: tabular-nums; }
pre { background: #f7f7f7; padding: .6em; overflow-x: auto; }
.note { white-space: pre-wrap; }
.ci { color: #777; font-size: .9em; }
.gain { color: #1a7f37; }
.loss { color: #c0392b; }
`;

/** A whole HTML page around `body`. */
export function htmlPage(title: string, body: string): string {
  return (
    `<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<meta name="viewport" content="width=device-width, initial-scale=1">\n` +
    `<title>${escapeHtml(title)}</title>\n<style>${REPORT_CSS}</style>\n</head>\n<body>\n${body}\n</body>\n</html>\n`
  );
}

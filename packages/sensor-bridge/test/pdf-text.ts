// The text of a PDF, page by page, through pdfjs-dist (Mozilla's PDF reader) in Node: what a reader
// would see, so tests check the report's words and numbers rather than its bytes.
import { createRequire } from 'node:module';
import path from 'node:path';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';

// The 14 standard fonts' metrics, which pdfjs reads from files in Node.
const standardFontDataUrl = path.join(path.dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json')), 'standard_fonts') + path.sep;

export async function pdfText(bytes: Uint8Array): Promise<{ pages: string[]; title: string | null }> {
  const doc = await getDocument({ data: new Uint8Array(bytes), useSystemFonts: false, isEvalSupported: false, standardFontDataUrl }).promise;
  const pages: string[] = [];
  for (let n = 1; n <= doc.numPages; n++) {
    const content = await (await doc.getPage(n)).getTextContent();
    pages.push(content.items.map((item) => ('str' in item ? item.str + (item.hasEOL ? '\n' : ' ') : '')).join(''));
  }
  const info = (await doc.getMetadata()).info as { Title?: string };
  await doc.destroy();
  return { pages, title: info.Title ?? null };
}

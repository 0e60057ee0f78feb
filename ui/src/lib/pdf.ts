// PDF preview with PDF.js, loaded only when a PDF is opened. It draws a
// document onto a canvas: no scripting, no forms, nothing of it runs.
import type { PDFDocumentProxy } from "pdfjs-dist";

let ready: Promise<typeof import("pdfjs-dist")> | null = null;

async function pdfjs() {
  ready ??= (async () => {
    const lib = await import("pdfjs-dist");
    const worker = await import("pdfjs-dist/build/pdf.worker.min.mjs?url");
    lib.GlobalWorkerOptions.workerSrc = worker.default;
    return lib;
  })();
  return ready;
}

/** Opens a PDF's bytes. */
export async function openPdf(bytes: ArrayBuffer): Promise<PDFDocumentProxy> {
  const lib = await pdfjs();
  return lib.getDocument({ data: new Uint8Array(bytes), enableXfa: false }).promise;
}

/** Draws page `n` (from 1) into `canvas` at a width of about `width` CSS pixels. */
export async function drawPage(doc: PDFDocumentProxy, n: number, canvas: HTMLCanvasElement, width: number) {
  const page = await doc.getPage(n);
  const base = page.getViewport({ scale: 1 });
  const viewport = page.getViewport({ scale: width / base.width });
  canvas.width = Math.floor(viewport.width);
  canvas.height = Math.floor(viewport.height);
  const context = canvas.getContext("2d");
  if (!context) return;
  await page.render({ canvas, canvasContext: context, viewport }).promise;
}

/**
 * Text widths for Vega's layout without a canvas. Vega measures text with a canvas when one is
 * installed (the native `canvas` package, which this project does not use) and otherwise estimates
 * 0.8 × font size per character — about 1.6 times the real width of Helvetica or Arial, so titles,
 * subtitles and legends reserve room they never use and every figure carried a blank margin on the
 * right. This estimates from Helvetica's advance widths (Adobe's AFM, per 1000 units of the em;
 * Arial has the same metrics), bold about 7 % wider, and other characters at 0.6 em — plus 10 %,
 * so that text set in a wider fallback font (DejaVu Sans, where neither is installed) still fits.
 */

// prettier-ignore
const HELVETICA_ASCII = [
  278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, // space ! " # $ % & ' ( ) * + , - . /
  556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, // 0–9 : ; < = > ?
  1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, // @ A–O
  667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, // P–Z [ \ ] ^ _
  333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, // ` a–o
  556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, // p–z { | } ~
];
const OTHER = 600;
const BOLD = 1.07;
const FALLBACK_MARGIN = 1.1;

export interface TextItem {
  fontSize?: number | string | null;
  fontWeight?: number | string | null;
  limit?: number | null;
}

/** Width in pixels of `text` set in Helvetica/Arial at `fontSize`. */
export function helveticaWidth(text: string, fontSize: number, bold = false): number {
  let units = 0;
  for (const char of text) {
    const code = char.codePointAt(0)!;
    units += code >= 32 && code <= 126 ? HELVETICA_ASCII[code - 32]! : OTHER;
  }
  return (units / 1000) * fontSize * (bold ? BOLD : 1) * FALLBACK_MARGIN;
}

/** Vega's `textMetrics.width(item, text)` on these metrics (a text's `limit` caps its width, as Vega truncates it). */
export function vegaTextWidth(item: TextItem, text: unknown): number {
  const size = item.fontSize != null ? Number(item.fontSize) || 0 : 11;
  const weight = item.fontWeight;
  const bold = weight === "bold" || weight === "bolder" || (typeof weight === "number" && weight >= 600) || (typeof weight === "string" && Number(weight) >= 600);
  const width = helveticaWidth(text == null ? "" : String(text).trim(), size, bold);
  return item.limit != null && item.limit > 0 ? Math.min(width, item.limit) : width;
}

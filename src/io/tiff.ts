/** TIFF input/output: windowed reads of planes (tiff-read.ts) and atomic, ImageJ-compatible writes (tiff-write.ts). */
export { openTiff, readTiff, TiffFile } from './tiff-read.js';
export type { OpenTiffOptions, PixelWindow, TiffPage, TiffPlaneRef, TiffReadStats } from './tiff-read.js';
export { OmeTiffWriter, TiffStripWriter, writeTiff } from './tiff-write.js';
export type { OmeTiffWriterOptions, TiffStripWriterOptions, TiffWriteOptions } from './tiff-write.js';

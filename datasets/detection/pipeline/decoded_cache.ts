/**
 * Decoded images kept for the next epochs: a training run decodes each image once per epoch (the demo decodes
 * its 600 images 6.7 times, ~3.4 ms of CPU each on this project's 2-core VMs, taken from the training step's
 * threads), although the decoded pixels are the same every time — only the resize, flip and normalisation that
 * follow depend on the epoch's random plan. The cache holds an image's 8-bit RGB pixels as its decoder produced
 * them (EXIF orientation applied, alpha dropped, grey expanded), in SharedArrayBuffers that the decoding worker
 * threads read without a copy. It fills up to its byte budget and then keeps what it holds: images come in a
 * new random order every epoch, so evicting one to keep another would save nothing.
 *
 * Used only where the pixels are the decoder's alone: not with photometric jitter (libvips applies it while
 * decoding) and not with the 'sharp' resizer (libvips resizes while decoding). Results are bit-identical with
 * and without it.
 */
import * as os from 'os';

export interface DecodedPixels {
  /** RGB, row-major, width * height * 3 bytes */
  data: Uint8Array;
  width: number;
  height: number;
}

/** 256 MiB, or a 32nd of the machine's memory when less: enough for a small dataset's every image (the demo's take 187 MB). */
export const DECODED_CACHE_BYTES = Math.min(256 * 1024 ** 2, Math.floor(os.totalmem() / 32));

export class DecodedImageCache {
  private readonly images = new Map<string, DecodedPixels>();
  private held = 0;
  hits = 0;

  constructor(readonly maxBytes = DECODED_CACHE_BYTES) {}

  /** The pixels of `file` if held (counted as a hit). */
  get(file: string): DecodedPixels | undefined {
    const px = this.images.get(file);
    if (px) this.hits++;
    return px;
  }

  /** Whether pixels of `bytes` more would still fit (a decoder is asked to hand them back only then). */
  hasRoomFor(bytes: number): boolean {
    return this.held + bytes <= this.maxBytes;
  }

  /** Keeps the pixels of `file` if they fit. */
  offer(file: string, px: DecodedPixels): void {
    if (this.images.has(file) || !this.hasRoomFor(px.data.byteLength)) return;
    this.images.set(file, px);
    this.held += px.data.byteLength;
  }

  get size(): number {
    return this.images.size;
  }

  bytes(): number {
    return this.held;
  }
}

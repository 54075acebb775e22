/**
 * What an uploaded file is, from its first bytes (PROTOCOL.md §R2.12): Fleep sniffs JPEG and
 * PNG sent as `application/octet-stream`, keeps a declared type otherwise, and reads an
 * image's pixel size.
 */

/** Sniffed facts of a file. */
export interface Sniffed {
  type: string;
  width?: number;
  height?: number;
  is_animated?: boolean;
}

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function pngSize(b: Buffer): Sniffed | undefined {
  if (b.length < 24 || !b.subarray(0, 8).equals(PNG)) return undefined;
  return { type: 'image/png', width: b.readUInt32BE(16), height: b.readUInt32BE(20), is_animated: b.includes('acTL', 8, 'latin1') };
}

function gifSize(b: Buffer): Sniffed | undefined {
  if (b.length < 10 || !/^GIF8[79]a$/.test(b.toString('latin1', 0, 6))) return undefined;
  // More than one image descriptor (0x21 0xF9 graphic control blocks) means an animation.
  let frames = 0;
  for (let i = b.indexOf(Buffer.from([0x21, 0xf9])); i !== -1 && frames < 2; i = b.indexOf(Buffer.from([0x21, 0xf9]), i + 2)) frames++;
  return { type: 'image/gif', width: b.readUInt16LE(6), height: b.readUInt16LE(8), is_animated: frames > 1 };
}

/** JPEG: walk the segments to the first start-of-frame marker. */
function jpegSize(b: Buffer): Sniffed | undefined {
  if (b.length < 4 || b[0] !== 0xff || b[1] !== 0xd8) return undefined;
  let i = 2;
  while (i + 9 < b.length) {
    if (b[i] !== 0xff) return { type: 'image/jpeg' };
    const marker = b[i + 1] as number;
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01 || marker === 0xff) {
      i += marker === 0xff ? 1 : 2;
      continue;
    }
    const len = b.readUInt16BE(i + 2);
    const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isFrame) return { type: 'image/jpeg', height: b.readUInt16BE(i + 5), width: b.readUInt16BE(i + 7), is_animated: false };
    i += 2 + len;
  }
  return { type: 'image/jpeg' };
}

/** The file's type and, for images, its size. `declared` is kept unless it says nothing (octet-stream). */
export function sniffFile(data: Buffer, declared: string): Sniffed {
  const image = pngSize(data) ?? jpegSize(data) ?? gifSize(data);
  const generic = declared === '' || declared.toLowerCase().startsWith('application/octet-stream');
  if (image && (generic || declared.toLowerCase().startsWith('image/'))) return image;
  if (generic && data.subarray(0, 5).toString('latin1') === '%PDF-') return { type: 'application/pdf' };
  return { type: declared || 'application/octet-stream' };
}

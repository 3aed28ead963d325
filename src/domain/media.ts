/** Bytes to put into the media store (a runner's output, an upload, a character photo). */
export interface StoredBlob {
  bytes: Buffer;
  contentType: string;
  type: 'image' | 'video';
  width?: number;
  height?: number;
}

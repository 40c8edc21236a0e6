import type { ZstdBackend } from './zstd-backend.js';

/** zstd-napi, the native binding: the fastest, but only where its install script built it. */
export async function loadNativeZstd(): Promise<ZstdBackend> {
  const [zstd, bindingModule] = await Promise.all([import('zstd-napi'), import('zstd-napi/binding.js')]);
  // binding.js is CommonJS that picks its .node file at run time, so ESM sees only `default`.
  const binding = (bindingModule as { default?: typeof bindingModule }).default ?? bindingModule;
  const cctx = new binding.CCtx();
  cctx.setParameter(binding.CParameter.contentSizeFlag, 1);
  cctx.setParameter(binding.CParameter.checksumFlag, 0);
  const dctx = new binding.DCtx();
  const compressor = new zstd.Compressor();
  return {
    name: 'zstd-napi',
    compress(data, level) {
      compressor.setParameters({ compressionLevel: level, contentSizeFlag: true, checksumFlag: false });
      return compressor.compress(data);
    },
    compressInto(data, out, level) {
      cctx.setParameter(binding.CParameter.compressionLevel, level);
      try {
        return cctx.compress2(out, data);
      } catch (err) {
        if (/too small/i.test((err as Error).message)) return null;
        throw err;
      }
    },
    decompressInto(data, out) {
      return dctx.decompress(out, data);
    },
  };
}

// The console's build: `npm run build:web` writes web/dist, which the runtime serves
// (index.html for every non-/api route). `vite --config web/vite.config.ts` serves it for
// development with /api proxied to a running `npm start` (OPSGATE_API, default :3000).
import react from '@vitejs/plugin-react';
import path from 'node:path';
import { defineConfig } from 'vite';

const root = path.resolve(import.meta.dirname);

export default defineConfig({
  root,
  base: '/',
  plugins: [react()],
  build: {
    outDir: path.join(root, 'dist'),
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 600,
  },
  server: {
    proxy: { '/api': process.env.OPSGATE_API ?? 'http://127.0.0.1:3000', '/healthz': process.env.OPSGATE_API ?? 'http://127.0.0.1:3000' },
    fs: { allow: [path.resolve(root, '..')] },
  },
});

// Vite build of the dashboard. The bridge serves `dist/` at `/`; `base: './'` keeps asset paths
// relative. In development (`pnpm --filter @hinge/dashboard dev`) the proxy sends REST and the
// WebSocket to a bridge on HINGE_BRIDGE_URL (default http://127.0.0.1:4173, `hinge serve`'s port); start
// that bridge with `--allow-origin http://localhost:5173` so it accepts the dev page's WebSocket.
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const bridgeUrl = process.env.HINGE_BRIDGE_URL ?? 'http://127.0.0.1:4173';

export default defineConfig({
  base: './',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 500, // about 470 kB: React, uPlot, i18next and both languages
    rollupOptions: {
      // @hinge/protocol builds its TypeBox schemas at module level; the dashboard only needs its types and
      // a few constants, so its modules count as side-effect free and the schemas (and TypeBox) drop out.
      // @hinge/analysis is pure functions: only the few the dashboard calls (settings defaults, rep
      // summaries, progression advice) stay.
      treeshake: { moduleSideEffects: (id: string) => !/[/\\]packages[/\\](protocol|analysis)[/\\]|[/\\]typebox[/\\]/.test(id) },
    },
  },
  server: {
    proxy: {
      '/api': bridgeUrl,
      '/ws': { target: bridgeUrl.replace(/^http/, 'ws'), ws: true },
    },
  },
});

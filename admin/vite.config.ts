import { defineConfig } from 'vite'
import solid from 'vite-plugin-solid'

// Vite demands a default export here.
export default defineConfig({
  root: import.meta.dirname,
  plugins: [solid()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // The console is one small bundle; uPlot is split off so sign-in paints before the charts load.
    chunkSizeWarningLimit: 300,
  },
  server: {
    // `bun run dev` on the server side plus `vite admin` here: proxy the API to the gateway.
    proxy: {
      '/api': process.env.TOLLGATE_URL ?? 'http://localhost:3000',
      '/v1': process.env.TOLLGATE_URL ?? 'http://localhost:3000',
    },
  },
})

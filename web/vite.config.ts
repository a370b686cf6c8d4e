// Builds the web bundle served by `toq-media serve`: three pages (/ui/upload, /ui/gallery, /docs)
// and their content-hashed assets under /ui/assets/. No CDN: every byte comes from npm at build
// time. The output folder is TOQ_WEB_OUT (the CMake target sets it beside the binary) or dist/.
import { resolve } from "node:path";

import { defineConfig } from "vite";

const here = import.meta.dirname;

export default defineConfig({
  root: here,
  base: "/",
  appType: "mpa",
  logLevel: "warn",
  build: {
    outDir: process.env["TOQ_WEB_OUT"] ?? resolve(here, "dist"),
    emptyOutDir: true,
    assetsDir: "ui/assets",
    target: "es2022",
    sourcemap: false,
    chunkSizeWarningLimit: 2048,
    rollupOptions: {
      input: {
        upload: resolve(here, "ui/upload/index.html"),
        gallery: resolve(here, "ui/gallery/index.html"),
        docs: resolve(here, "docs/index.html"),
      },
    },
  },
  worker: { format: "es" },
});

import { vitePreprocess } from "@sveltejs/vite-plugin-svelte";

export default {
  preprocess: vitePreprocess(),
  compilerOptions: {
    // Component styles go to the CSS file: the CSP allows no inline styles.
    css: "external",
  },
};

// ESLint's configuration for the browser recorder (recorder/extension).
// scripts/test installs ESLint with npm ci from this folder's lock, outside
// the repository, and copies this file beside it; the recorder's Go test
// (TestLint) runs it on the extension.
import js from "@eslint/js";
import globals from "globals";

const browser = { ...globals.browser, ...globals.webextensions };

export default [
  js.configs.recommended,
  {
    files: ["**/*.js"],
    languageOptions: { ecmaVersion: 2024, sourceType: "module", globals: browser },
    rules: {
      "no-unused-vars": ["error", { args: "none", caughtErrors: "none" }],
      "no-var": "error",
      "prefer-const": "error",
      eqeqeq: ["error", "always"],
      "no-implied-eval": "error",
      "no-eval": "error",
      "no-new-func": "error",
      "no-restricted-properties": ["error",
        { object: "document", property: "write", message: "build the DOM with elements and textContent" },
        { property: "innerHTML", message: "set textContent or build elements: page text must never become markup" },
        { property: "outerHTML", message: "set textContent or build elements" },
        { property: "insertAdjacentHTML", message: "build elements instead" }],
    },
  },
  {
    // Classic scripts: the content script and the rules it shares.
    files: ["content.js", "lib/rules.js"],
    languageOptions: { sourceType: "script" },
  },
];

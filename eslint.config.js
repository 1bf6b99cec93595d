// ESLint for the browser pages' ES modules (web/static/web); types: tsconfig.json.
import js from "@eslint/js";
import globals from "globals";

export default [
  { ignores: ["node_modules/", "web/static/web/vendor/", ".venv/", "var/"] },
  js.configs.recommended,
  {
    files: ["web/static/web/**/*.js", "eslint.config.js"],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: "module",
      globals: { ...globals.browser },
    },
    rules: {
      eqeqeq: ["error", "always"],
      "no-var": "error",
      "prefer-const": "error",
      "no-implicit-globals": "error",
      "no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
      "no-restricted-syntax": [
        "error",
        {
          selector: "AssignmentExpression[left.property.name='innerHTML'][right.type!='Identifier'][right.type!='MemberExpression']",
          message: "innerHTML only with the server's sanitized html (a variable or field), never built text",
        },
      ],
      "no-alert": "error",
      "no-console": ["error", { allow: ["warn", "error"] }],
    },
  },
];

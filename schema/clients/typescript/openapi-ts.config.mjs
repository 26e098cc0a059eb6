// What `npm run generate` makes of ../../openapi.json: src/rest/, never edited by hand.
// POLLCAST_SDK_OUT writes it elsewhere, so the drift test can compare without touching this tree.
export default {
  input: '../../openapi.json',
  output: { path: process.env.POLLCAST_SDK_OUT ?? 'src/rest' },
  plugins: [
    // Errors are thrown, never returned, so a call's `data` is typed as present.
    { name: '@hey-api/client-fetch', throwOnError: true },
    '@hey-api/typescript',
    '@hey-api/sdk',
  ],
};

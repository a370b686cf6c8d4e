// The toq-media TypeScript client: the typed API, the uploader (single PUT or multipart with
// parallel parts, retries, URL refresh, resume), SHA-256, status polling and resume state.
export * from "./api";
export * from "./backoff";
export * from "./poll";
export * from "./resume";
export * from "./sha256";
export * from "./transport";
export * from "./uploader";

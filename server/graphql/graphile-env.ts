/**
 * Grafast reads GRAPHILE_ENV when it loads: import this module before anything from
 * postgraphile. Production unless NODE_ENV says development or test (vitest sets test,
 * which turns on Grafast's extra checks).
 */
const nodeEnv = process.env.NODE_ENV;
process.env.GRAPHILE_ENV ??= nodeEnv === "development" || nodeEnv === "test" ? nodeEnv : "production";

export {};

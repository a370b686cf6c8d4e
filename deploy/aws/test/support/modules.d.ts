// asl-validator ships no type declarations.
declare module 'asl-validator' {
  function validator(definition: unknown, options?: { checkArn?: boolean; checkPaths?: boolean }): { isValid: boolean; errors: unknown[] };
  export default validator;
}

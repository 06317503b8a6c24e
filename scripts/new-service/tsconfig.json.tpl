{
  "extends": "@rebound/tsconfig/nest.json",
  "compilerOptions": { "noEmit": true },
  "include": ["src", "test"]
}

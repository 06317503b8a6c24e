{
  "extends": "@rebound/tsconfig/nest.json",
  "compilerOptions": { "rootDir": "src", "outDir": "dist", "noEmit": false },
  "include": ["src"]
}

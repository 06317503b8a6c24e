{
  "name": "@rebound/__NAME__",
  "version": "0.0.0",
  "private": true,
  "type": "module",
  "description": "__NAME__: an HTTP service behind @rebound/service-defaults.",
  "scripts": {
    "build": "tsc -p tsconfig.build.json",
    "typecheck": "tsc -p tsconfig.json --noEmit",
    "start": "node dist/main.js",
    "test": "node --conditions=development --test --test-reporter=spec --test-reporter-destination=stdout --test-reporter=junit --test-reporter-destination=test-results.xml 'test/**/*.test.ts'"
  },
  "dependencies": {
    "@nestjs/common": "12.5.1",
    "@rebound/service-defaults": "workspace:*",
    "reflect-metadata": "0.2.2",
    "rxjs": "7.8.2"
  },
  "devDependencies": {
    "@rebound/testing": "workspace:*",
    "@rebound/tsconfig": "workspace:*"
  }
}

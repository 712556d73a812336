// The software that writes recordings, named in each recording's header (`software`), so a file says
// which analysis version it was made with. Kept equal to package.json's version (software.test.ts).
export const SOFTWARE = { name: 'hinge', version: '0.1.0' } as const;

// Preloaded into a child process (`node --require`): prints its peak resident set size on exit, so a
// test can hold a command to a memory budget. Output: `max-rss-kib N` on stderr.
process.on('exit', () => process.stderr.write(`max-rss-kib ${process.resourceUsage().maxRSS}\n`));

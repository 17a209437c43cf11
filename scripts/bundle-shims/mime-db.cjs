// mime-types (COS SDK) guesses a Content-Type only when none is given; every put sets one. The types
// the reports use are kept so a guess still works for them.
module.exports = {
  'application/json': { extensions: ['json'] },
  'text/html': { extensions: ['html', 'htm'], charset: 'UTF-8' },
  'text/markdown': { extensions: ['md'] },
  'text/plain': { extensions: ['txt'], charset: 'UTF-8' },
  'application/yaml': { extensions: ['yaml', 'yml'] },
  'application/octet-stream': { extensions: ['bin'] },
};

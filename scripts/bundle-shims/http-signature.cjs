// cos-request supports HTTP Signature auth (Joyent); the COS SDK never uses it.
module.exports = {
  signRequest() {
    throw new Error('http-signature is not bundled in image-transfer functions');
  },
};

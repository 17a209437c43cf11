// tough-cookie asks the public-suffix list when a cookie jar stores a cookie; COS calls use no jar.
module.exports = { get: () => null };

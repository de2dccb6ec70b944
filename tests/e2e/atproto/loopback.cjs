// Preload (node --require): every TCP server in this process listens on 127.0.0.1.
// The atproto services call app.listen(port) with no host, i.e. on all interfaces;
// tests must never expose anything beyond the loopback.
const net = require('node:net');
const orig = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  const a0 = args[0];
  if (a0 && typeof a0 === 'object' && !a0.path && !a0._handle && !a0.fd) {
    args[0] = { ...a0, host: '127.0.0.1' };
  } else if (typeof a0 === 'number' || (typeof a0 === 'string' && /^\d+$/.test(a0)) || a0 == null) {
    if (typeof args[1] === 'string') args[1] = '127.0.0.1';
    else args.splice(1, 0, '127.0.0.1');
    if (a0 == null) args[0] = 0;
  } else if (typeof a0 === 'function') {
    args.unshift(0, '127.0.0.1');
  }
  return orig.apply(this, args);
};

/**
 * A loopback /24 of the test's own (127.X.Y.0, X from 120 to 219): the controller, its proxy and
 * its local instances bind there, so tests never touch 127.0.0.1's well-known ports or each other.
 */
export function ownLoopbackPrefix(): string {
  const second = 120 + Math.floor(Math.random() * 100);
  const third = Math.floor(Math.random() * 255);
  return `127.${second}.${third}`;
}

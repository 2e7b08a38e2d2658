export interface CreateKeypairOptions {
  /** ssh (default) or x509; `type` needs microversion 2.2. */
  type?: 'ssh' | 'x509';
}

export interface ImportKeypairOptions {
  type?: 'ssh' | 'x509';
}

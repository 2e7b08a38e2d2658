// Placeholder until the service port lands (issue 2).
import * as http from 'http';
const server = http.createServer((_req, res) => res.end('hello\n'));
server.listen(Number(process.env.PORT || 5000), process.env.HOST || '0.0.0.0');

# A heuristic explainer behind the OpenAI chat API, for exercising Sparsescope's autointerp without an LLM:
# explain = the token marked most often; score = 1 when an example holds that token (detection: anywhere;
# fuzzing: among its marks). Not a language model.
import json, re, sys, collections
from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler
class H(BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers['Content-Length'])))
        system, user = body['messages'][0]['content'], body['messages'][1]['content']
        if system.startswith('You study one feature'):
            marks = collections.Counter(m.strip().lower() for m in re.findall(r'<<(.*?)>>', user) if m.strip())
            tok = marks.most_common(1)[0][0] if marks else ''
            text = f'The marks fall on one token most.\n[EXPLANATION]: the token "{tok}"'
        else:
            m = re.search(r'Explanation: the token "(.*)"', user)
            tok = m.group(1) if m else '\0'
            exs = re.findall(r'<example (\d+)>\n(.*?)\n</example \1>', user, re.S)
            fuzz = 'marked' in system
            ans = []
            for _, t in exs:
                hay = ' '.join(re.findall(r'<<(.*?)>>', t)).lower() if fuzz else t.lower()
                ans.append('1' if tok and tok in hay else '0')
            text = '[' + ', '.join(ans) + ']'
        out = json.dumps({'choices': [{'message': {'role': 'assistant', 'content': text}}],
                          'usage': {'prompt_tokens': len(system + user) // 4, 'completion_tokens': len(text) // 4}}).encode()
        self.send_response(200); self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(out))); self.end_headers(); self.wfile.write(out)
ThreadingHTTPServer(('127.0.0.1', int(sys.argv[1])), H).serve_forever()

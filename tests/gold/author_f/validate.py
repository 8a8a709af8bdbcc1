import json,re
ok=True
for n in range(1,13):
    f=f'{n:02d}'; g=json.load(open(f'gold/{f}.json',encoding='utf-8')); r=open(f'reports/{f}.txt',encoding='utf-8').read()
    nl=len(r.splitlines()); cnt=0
    def walk(ps):
        global cnt, ok
        for p in ps:
            t=p['text_start']; cnt+=1
            if len(t)!=10 or t not in r: print('BAD',f,t); ok=False
            if r.count(t)>1: print('dup',f,t)
            # must be preceded in the report by a number / label / quote, i.e. statement start
            i=r.index(t); print('   ',f, repr(r[max(0,i-6):i]),'|',t, p['status'], p['measures'], len(p['subs']))
            assert p['status'] in ('completed','basically_completed','in_progress','long_term','immediate',None),(f,p)
            assert isinstance(p['measures'],int)
            walk(p['subs'])
    for c in g['categories']:
        if c['title'] is not None and c['title'] not in r: print('BADTITLE',f,c['title']); ok=False
        walk(c['problems'])
    for k in ['unit','inspector']:
        if g[k] not in r: print('BADFIELD',f,k); ok=False
    for k in ['inspection_start','inspection_end','feedback_date','report_date']:
        v=g[k]
        if v is not None and not re.fullmatch(r'\d{4}-\d\d-\d\d',v): print('BADDATE',f,k); ok=False
    print(f,nl,'lines',cnt,'problems(incl subs)',g['stated'])
print('ALL OK' if ok else 'FAIL')

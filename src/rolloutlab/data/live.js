// The live view's module (recording/view.py, an anywidget front-end module), over the shared drawing (draw.js):
// each frame the kernel pushes is drawn as it comes.
export default {render({model,el}){
const root=rlEl('div','font-family:sans-serif;font-size:12px');root.className='rl-live';el.appendChild(root);
const clock=rlEl('div','color:#616161');clock.className='rl-clock';
const draw=()=>{const f=model.get('frame');if(!f||!f.pods)return;const words=model.get('words');
rlDraw(root,f,{words:words,states:model.get('states')});clock.textContent=words.live+' '+(f.clock||'');root.prepend(clock)};
model.on('change:frame',draw);draw();return ()=>model.off('change:frame',draw)}};

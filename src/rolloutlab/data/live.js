// The live view's module (recording/view.py, an anywidget front-end module), over the shared drawing (draw.js):
// each frame the kernel pushes is drawn as it comes.
export default {render({model,el}){
const root=rlEl('div','font-family:sans-serif;font-size:12px');root.className='rl-live';el.appendChild(root);
const clock=rlEl('div','color:#616161');clock.className='rl-clock';
const draw=()=>{const f=model.get('frame');if(!f||!f.pods)return;const words=model.get('words');
rlDraw(root,f,{words:words,states:model.get('states')});clock.textContent=words.live+' '+(f.clock||'');root.prepend(clock)};
// No beat for 3 of the kernel's 5 s beats: its kernel is gone (restarted, stopped), the picture is old, and it says so.
const stale=rlEl('div','color:#b71c1c;font-weight:bold');stale.className='rl-stale';let last=Date.now();
const beat=()=>{last=Date.now();stale.remove()};
const look=setInterval(()=>{if(model.get('beat')>=0&&Date.now()-last>15000&&!stale.isConnected){
stale.textContent=model.get('words').stale;root.prepend(stale)}},2000);
model.on('change:frame',draw);model.on('change:beat',beat);draw();
return ()=>{model.off('change:frame',draw);model.off('change:beat',beat);clearInterval(look)}}};

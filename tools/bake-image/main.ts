console.log('bake-image: not yet implemented');
